import type { Request } from 'express';
import type { AccessConfig } from '../config/ingress.config';

/** Whether a request is served without an API key and outside the rate limit. */
export function isPublicRequest(request: Request, access: AccessConfig): boolean {
  // Middleware mounted for every route sees req.path relative to its mount point; the original URL is absolute.
  const path = request.originalUrl.split('?', 1)[0];
  if (access.publicHealth && (path === '/health' || path.startsWith('/health/'))) return true;
  if (access.publicMetrics && path === '/metrics') return true;
  if (
    access.publicDocs &&
    (path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-'))
  )
    return true;
  return false;
}
