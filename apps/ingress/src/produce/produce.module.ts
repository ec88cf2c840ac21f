import { Module } from '@nestjs/common';
import { TopicAccess } from '../access/topic-access';
import { ContractsModule } from '../contracts/contracts.module';
import { ProduceController } from './produce.controller';
import { ProduceService } from './produce.service';

@Module({
  imports: [ContractsModule],
  controllers: [ProduceController],
  providers: [ProduceService, TopicAccess],
})
export class ProduceModule {}
