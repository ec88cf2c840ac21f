import { Module } from '@nestjs/common';
import { ForwarderRunner } from '../forwarder-runner';
import { ForwardCommand } from './forward.command';

@Module({ providers: [ForwardCommand, ForwarderRunner] })
export class CliModule {}
