import { DynamicModule, Global, Module } from '@nestjs/common';
import { INGRESS_CONFIG, type IngressConfig } from './ingress.config';

/** Makes the configuration read at boot injectable everywhere as INGRESS_CONFIG. */
@Global()
@Module({})
export class IngressConfigModule {
  static forRoot(config: IngressConfig): DynamicModule {
    return {
      module: IngressConfigModule,
      providers: [{ provide: INGRESS_CONFIG, useValue: config }],
      exports: [INGRESS_CONFIG],
    };
  }
}
