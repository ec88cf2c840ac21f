'use strict';
// The framework floor: Nest 11 on @nestjs/platform-express with one @Post() controller behind
// express.json, answering 200 with no Kafka, no validation and no middleware of ours. Whatever the
// ingress costs above this is ours to remove. Usage: node nest-floor.js <port>
require('reflect-metadata');
const { Body, Controller, HttpCode, Module, Post } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const express = require('express');

class FloorController {
  produce(body) {
    return { success: true, topic: body.topic };
  }
}
// Decorators applied by hand: the benchmark scripts are plain JavaScript.
Controller('produce')(FloorController);
const produce = Object.getOwnPropertyDescriptor(FloorController.prototype, 'produce');
Body()(FloorController.prototype, 'produce', 0);
Post()(FloorController.prototype, 'produce', produce);
HttpCode(200)(FloorController.prototype, 'produce', produce);

class FloorModule {}
Module({ controllers: [FloorController] })(FloorModule);

async function main() {
  const port = Number(process.argv[2]);
  const app = await NestFactory.create(FloorModule, { bodyParser: false, logger: ['error', 'warn'] });
  app.use(express.json({ limit: '1mb' }));
  app.getHttpServer().keepAliveTimeout = 30_000;
  await app.listen(port, '127.0.0.1');
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => app.close().then(() => process.exit(0)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
