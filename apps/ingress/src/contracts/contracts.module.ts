import { Module } from '@nestjs/common';
import { PayloadContracts } from './payload-contracts';

@Module({
  providers: [PayloadContracts],
  exports: [PayloadContracts],
})
export class ContractsModule {}
