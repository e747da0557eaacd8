import { scheduledHandler } from '../../shared/http/scheduled-handler.js';
import { sweepCleanups } from '../../shared/service/cleanups.js';

/**
 * Scheduled, not an HTTP route (e.g. every 5 minutes): deletes the membership items that the
 * DELETE of a large group left behind, looks again for memberships of deleted users, and removes
 * the cleanup markers once their grace period is over.
 */
export const handler = scheduledHandler('sweepMemberships', (budgetMs) => sweepCleanups(budgetMs));
