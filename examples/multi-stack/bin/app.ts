#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib';
import { AgnosticStack } from '../lib/agnostic-stack';
import { ConsumerStack } from '../lib/consumer-stack';
import { ProdStage } from '../lib/prod-stage';
import { SharedStack } from '../lib/shared-stack';

// Every environment is hard-set (never CDK_DEFAULT_*), so synth is
// deterministic and needs no AWS credentials.
const app = new cdk.App();

// Account A (the local emulator's default account).
const shared = new SharedStack(app, 'SharedStack', {
  env: { account: '123456789012', region: 'us-east-1' },
});

// Account B, with a CloudFormation stack name that differs from the construct id.
const consumer = new ConsumerStack(app, 'ConsumerStack', {
  env: { account: '222222222222', region: 'us-east-1' },
  stackName: 'multi-consumer',
});
consumer.addStackDependency(shared, 'deploy the shared resources first');

// No env: environment-agnostic (aws://unknown-account/unknown-region).
new AgnosticStack(app, 'AgnosticStack');

// A Stage: a nested cloud assembly (assembly-Prod/) holding its own stack.
new ProdStage(app, 'Prod', {
  env: { account: '123456789012', region: 'eu-west-1' },
});
