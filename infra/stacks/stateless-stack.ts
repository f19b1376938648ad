import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Construct } from 'constructs';
import { DisputeFunction } from '../constructs/dispute-function.ts';
import type { StageConfig } from '../stage-config.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
}

/** Code and its wiring: functions, the HTTP API. Safe to destroy and redeploy. */
export class StatelessStack extends Stack {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;

    const receiveWebhook = new DisputeFunction(this, 'ReceiveWebhook', {
      stem: 'receive-webhook',
      description: 'Verifies and applies signed marketplace return webhooks',
      logRetention: config.logRetention,
      timeout: Duration.seconds(10),
    })
      .bindTable(stateful.table, ['GetItem', 'PutItem'])
      .bindWebhookSecrets(stateful.webhookSecrets);

    this.api = new HttpApi(this, 'Api', {
      apiName: `${config.prefix}-api`,
      description: 'Dispute Desk: marketplace webhooks and the seller staff API',
      // Browsers never call the webhook; CORS stays closed until a staff UI needs it.
      corsPreflight: { allowOrigins: [], allowMethods: [CorsHttpMethod.GET] },
      createDefaultStage: true,
    });
    this.api.addRoutes({
      path: '/webhooks/{marketplace}',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('ReceiveWebhookIntegration', receiveWebhook),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
  }
}
