import * as cdk from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export class ConsumerStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    const role = new iam.Role(this, 'WorkerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'),
      ],
    });

    // A plain lambda.Function with inline code: no asset.
    const fn = new lambda.Function(this, 'InlineFn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      role,
      code: lambda.Code.fromInline(
        'exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ ok: true, path: event && event.path }) });',
      ),
    });

    // A LambdaRestApi (proxy integration to the inline function).
    const api = new apigateway.LambdaRestApi(this, 'ProxyApi', {
      handler: fn,
    });

    new cdk.CfnOutput(this, 'ProxyApiUrl', { value: api.url });
  }
}
