// The framework floor: Nest 11 on @nestjs/platform-express with one @Post() controller behind
// express.json, answering 200 with no Kafka, no validation and no middleware of ours. Whatever the
// ingress costs above this is ours to remove. Usage: nest-floor.ts <port>
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import express from 'express';
import type { Server } from 'node:http';

interface FloorBody {
  topic?: unknown;
}

@Controller('produce')
class FloorController {
  @Post()
  @HttpCode(200)
  produce(@Body() body: FloorBody) {
    return { success: true, topic: body.topic };
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function main() {
  const port = Number(process.argv[2]);
  const app = await NestFactory.create(FloorModule, { bodyParser: false, logger: ['error', 'warn'] });
  app.use(express.json({ limit: '1mb' }));
  (app.getHttpServer() as Server).keepAliveTimeout = 30_000;
  await app.listen(port, '127.0.0.1');
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.on(signal, () => void app.close().then(() => process.exit(0)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
