#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib';
import { IamApigatewayLambdaStack } from '../lib/iam-apigateway-lambda-stack';

const app = new cdk.App();

// The environment is hard-set (not taken from CDK_DEFAULT_*) so that `cdk synth`
// is deterministic and needs no AWS credentials. 123456789012 is also the
// default account of the local emulator (moto).
new IamApigatewayLambdaStack(app, 'IamApigatewayLambdaStack', {
  env: { account: '123456789012', region: 'us-east-1' },
});
