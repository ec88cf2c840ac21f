import type { ErrorCode } from '../../common/error-codes';

export interface ProduceResponse {
  success: true;
  topic: string;
  partition: number;
  offset: number;
  timestamp: string;
}

export type BatchItemResult =
  | { success: true; partition: number; offset: number; timestamp: string }
  | { success: false; error: string; code: ErrorCode };

export interface ProduceBatchResponse {
  success: boolean;
  topic: string;
  results: BatchItemResult[];
}
