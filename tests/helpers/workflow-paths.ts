import type { CaseAction, CaseStatus } from '../../api/domain/workflow.ts';

/** Legal actions that bring a fresh (reported) case to each status. */
export const PATH_TO: Record<CaseStatus, CaseAction[]> = {
  reported: [],
  accepted: ['accept'],
  registered: ['accept', 'register'],
  dispatched: ['accept', 'register', 'dispatch'],
  handled: ['accept', 'register', 'dispatch', 'handle'],
  verified: ['accept', 'register', 'dispatch', 'handle', 'verify-pass'],
  closed: ['accept', 'register', 'dispatch', 'handle', 'verify-pass', 'close'],
  voided: ['void'],
  suspended: ['accept', 'register', 'dispatch', 'suspend'],
};
