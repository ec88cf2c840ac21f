import { Module } from '@nestjs/common';
import { ForwarderRunner } from '../forwarder-runner';
import { RedriveCommand } from '../redrive/redrive.command';
import { RedriveRunner } from '../redrive/redrive-runner';
import { OffsetResetRunner } from '../replay/offset-reset-runner';
import { ForwardCommand } from './forward.command';

@Module({ providers: [ForwardCommand, ForwarderRunner, OffsetResetRunner, RedriveCommand, RedriveRunner] })
export class CliModule {}
