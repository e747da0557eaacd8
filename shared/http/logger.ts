import { Logger } from '@aws-lambda-powertools/logger';
import { telemetry } from '../config.js';

/**
 * The service's structured logger (JSON lines). Log ids and outcomes only: never a token, a
 * secret or a request or response body.
 */
export const logger = new Logger({
  serviceName: telemetry.serviceName,
  logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
  persistentKeys: { tenant: process.env.TENANT },
});
