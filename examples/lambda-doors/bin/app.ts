#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib';
import { LambdaDoorsStack } from '../lib/lambda-doors-stack';

const app = new cdk.App();

// Hard-set environment (deterministic synth, no credentials needed). 123456789012
// is the local emulator's default account; 222222222222 is the partner account
// the resource policies name.
new LambdaDoorsStack(app, 'LambdaDoorsStack', {
  env: { account: '123456789012', region: 'us-east-1' },
  partnerAccount: '222222222222',
});
