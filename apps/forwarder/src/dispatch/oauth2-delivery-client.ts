import type { OnApplicationShutdown } from '@nestjs/common';
import {
  DeliveryNetworkError,
  type DeliveryHttpClient,
  type DeliveryRequest,
  type DeliveryResponse,
} from './delivery-http-client';
import type { OAuth2Token } from './oauth2-token';

/**
 * Sends every request with `Authorization: Bearer <token>` (--oauth2-*). A 401 renews the token
 * and sends the request once more, within the same attempt, so the record is not charged for a
 * token the receiver stopped accepting. No token (the endpoint fails) is reported as a connection
 * failure: the dispatcher retries it and holds the record, as for a target it cannot reach.
 */
export class OAuth2DeliveryClient implements DeliveryHttpClient, OnApplicationShutdown {
  constructor(
    private readonly inner: DeliveryHttpClient,
    private readonly token: OAuth2Token,
  ) {}

  async post(request: DeliveryRequest): Promise<DeliveryResponse> {
    const token = await this.tokenOr(() => this.token.get(), request.signal);
    const response = await this.inner.post(withBearer(request, token));
    if (response.status !== 401) return response;
    const renewed = await this.tokenOr(() => this.token.renew(token), request.signal);
    return this.inner.post(withBearer(request, renewed));
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async tokenOr(token: () => Promise<string>, signal: AbortSignal): Promise<string> {
    try {
      return await token();
    } catch (error) {
      if (signal.aborted) throw new DeliveryNetworkError('aborted', 'the delivery was cancelled');
      throw new DeliveryNetworkError('connection', (error as Error).message);
    }
  }
}

/** The dispatcher builds the headers anew for every attempt: they are this request's own to add to. */
function withBearer(request: DeliveryRequest, token: string): DeliveryRequest {
  request.headers.Authorization = `Bearer ${token}`;
  return request;
}
