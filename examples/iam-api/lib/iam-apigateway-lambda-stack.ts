import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';

// Bundling options shared by both functions: plain, readable, reproducible output
// (no minification, no source maps) so the committed asset stays small and stable.
const bundling: nodejs.BundlingOptions = {
  minify: false,
  sourceMap: false,
  target: 'node22',
};

/**
 * A REST API that only accepts SigV4-signed (IAM) requests from this account,
 * and a "requestor" Lambda that calls it twice: once unsigned, once signed.
 */
export class IamApigatewayLambdaStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    // The API backend: answers {"hello":"world"}.
    const iamApiFn = new nodejs.NodejsFunction(this, 'iamApiFn', {
      entry: path.join(__dirname, '..', 'lambda', 'api.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      bundling,
    });

    const api = new apigateway.RestApi(this, 'iam-backed-api', {
      description: 'REST API with IAM authorization and a resource policy',
      defaultMethodOptions: {
        authorizationType: apigateway.AuthorizationType.IAM,
      },
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            effect: iam.Effect.ALLOW,
            actions: ['execute-api:Invoke'],
            resources: ['execute-api:/*'],
            principals: [new iam.AccountPrincipal(this.account)],
          }),
        ],
      }),
      deploy: true, // default stage "prod"
    });
    api.root.addMethod('GET', new apigateway.LambdaIntegration(iamApiFn));

    // The caller: signs its second request with SigV4 (service execute-api).
    const requestorFn = new nodejs.NodejsFunction(this, 'requestorFn', {
      entry: path.join(__dirname, '..', 'lambda', 'requestor.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      timeout: cdk.Duration.seconds(15),
      environment: {
        IAM_API: api.url,
      },
      bundling,
    });
    requestorFn.addToRolePolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.ALLOW,
        actions: ['execute-api:Invoke'],
        resources: [api.arnForExecuteApi()],
      }),
    );

    new cdk.CfnOutput(this, 'ApiUrl', {
      description: 'URL of the IAM-authorized API (stage prod)',
      value: api.url,
    });
  }
}
