import { Injectable } from '@nestjs/common';
import { runKafkaTool } from '../kafka-tool';
import { DeadLetterRedriver } from './dead-letter-redriver';
import { REDRIVE_OPTIONS, type RedriveOptions } from './redrive-options';

/** Runs `redrive`: prints its summary and resolves with the exit code (0 done, 1 a Kafka error or a refusal). */
@Injectable()
export class RedriveRunner {
  run(options: RedriveOptions): Promise<number> {
    return runKafkaTool(
      'redrive',
      options.brokers,
      [DeadLetterRedriver, { provide: REDRIVE_OPTIONS, useValue: options }],
      async (app) => {
        const summary = await app.get(DeadLetterRedriver).run();
        for (const line of summary.lines()) console.log(line);
        return 0;
      },
    );
  }
}
