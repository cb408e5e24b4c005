import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface LambdaDoorsStackProps extends cdk.StackProps {
  /** The other account allowed through both doors. */
  readonly partnerAccount: string;
}

// Inline code: no bundling, no asset, a byte-for-byte stable synth.
const code = (name: string) =>
  lambda.Code.fromInline(
    `exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ hello: '${name}' }) });`,
  );

/**
 * Two doors through which another account calls a function:
 * - urlFn's function URL with AuthType AWS_IAM (SigV4 for service lambda; a caller
 *   needs lambda:InvokeFunctionUrl and lambda:InvokeFunction);
 * - sharedFn's resource policy, which lets the partner account call
 *   lambda:InvokeFunction directly.
 */
export class LambdaDoorsStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: LambdaDoorsStackProps) {
    super(scope, id, props);
    const partner = new iam.AccountPrincipal(props.partnerAccount);

    const urlFn = new lambda.Function(this, 'urlFn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: code('url'),
    });
    const url = urlFn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    url.grantInvokeUrl(partner);

    const sharedFn = new lambda.Function(this, 'sharedFn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: code('shared'),
    });
    sharedFn.grantInvoke(partner);

    new cdk.CfnOutput(this, 'FunctionUrl', {
      description: 'The IAM-authorized function URL of urlFn',
      value: url.url,
    });
  }
}
