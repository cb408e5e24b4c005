import * as cdk from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export class ServiceStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);
    const queue = new sqs.Queue(this, 'Jobs', {
      visibilityTimeout: cdk.Duration.seconds(60),
    });
    new cdk.CfnOutput(this, 'JobsQueueUrl', { value: queue.queueUrl });
  }
}

/** A Stage is synthesized as a nested cloud assembly (directory assembly-Prod/). */
export class ProdStage extends cdk.Stage {
  constructor(scope: Construct, id: string, props?: cdk.StageProps) {
    super(scope, id, props);
    new ServiceStack(this, 'ServiceStack');
  }
}
