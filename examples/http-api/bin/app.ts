#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib';
import { HttpApiStack } from '../lib/http-api-stack';

const app = new cdk.App();

// Hard-set environment (deterministic synth, no credentials): the emulator's default account.
new HttpApiStack(app, 'HttpApiStack', {
  env: { account: '123456789012', region: 'us-east-1' },
});
