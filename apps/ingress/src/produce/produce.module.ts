import { Module } from '@nestjs/common';
import { TopicAccess } from '../access/topic-access';
import { ProduceController } from './produce.controller';
import { ProduceService } from './produce.service';

@Module({
  controllers: [ProduceController],
  providers: [ProduceService, TopicAccess],
})
export class ProduceModule {}
