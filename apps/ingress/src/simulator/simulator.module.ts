import { Module } from '@nestjs/common';
import { WebhookSimulatorController } from './webhook-simulator.controller';
import { WebhookSimulator } from './webhook-simulator.service';

@Module({
  controllers: [WebhookSimulatorController],
  providers: [WebhookSimulator],
})
export class SimulatorModule {}
