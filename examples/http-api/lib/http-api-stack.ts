import * as cdk from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * An HTTP API (API Gateway v2) whose `GET /items` route only accepts SigV4-signed (IAM)
 * requests, an open `GET /health` route, access logs of the `$default` stage in a log
 * group, and a role in this account that may call the IAM route: HTTP APIs have no
 * resource policy, so a caller from another account assumes this role.
 */
export class HttpApiStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    // The backend: answers {"hello":"http"}.
    const itemsFn = new lambda.Function(this, 'itemsFn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(
        'exports.handler = async () => ({ statusCode: 200, body: JSON.stringify({ hello: "http" }) });',
      ),
    });
    const integration = new HttpLambdaIntegration('itemsIntegration', itemsFn);

    const api = new apigwv2.HttpApi(this, 'iam-http-api', {
      description: 'HTTP API with an IAM-authorized route',
    });
    api.addRoutes({
      path: '/items',
      methods: [apigwv2.HttpMethod.GET],
      integration,
      authorizer: new HttpIamAuthorizer(),
    });
    api.addRoutes({
      path: '/health',
      methods: [apigwv2.HttpMethod.GET],
      integration,
    });

    // Who called: the $default stage's access logs.
    const accessLogs = new logs.LogGroup(this, 'httpApiAccessLogs', {
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
    const stage = api.defaultStage!.node.defaultChild as apigwv2.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        requestTime: '$context.requestTime',
        httpMethod: '$context.httpMethod',
        routeKey: '$context.routeKey',
        status: '$context.status',
        sourceIp: '$context.identity.sourceIp',
        userArn: '$context.identity.userArn',
        accountId: '$context.identity.accountId',
        caller: '$context.identity.caller',
      }),
    };

    // The role another account's caller assumes to call GET /items (no resource policy exists).
    const callerRole = new iam.Role(this, 'httpApiCallerRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'May call GET /items of the IAM-authorized HTTP API',
    });
    callerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['execute-api:Invoke'],
        resources: [api.arnForExecuteApi('GET', '/items', '$default')],
      }),
    );

    new cdk.CfnOutput(this, 'HttpApiUrl', {
      description: 'URL of the HTTP API ($default stage)',
      value: api.apiEndpoint,
    });
  }
}
