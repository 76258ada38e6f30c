import { describe, expect, it } from 'vitest';
import { SystemError } from '../../core/errors.js';
import { mapAddeparStatus, normaliseStatus, percentOf } from './status.js';

describe('mapAddeparStatus', () => {
  const cases: [string, string, string | undefined][] = [
    ['Queued', 'pending', undefined],
    ['In Progress - Waiting For Capacity', 'pending', undefined],
    ['Picked Up By Job Runner', 'running', undefined],
    ['In Progress', 'running', undefined],
    ['Completed', 'completed', undefined],
    ['Canceled', 'cancelled', 'transient'],
    ['Timed Out', 'expired', undefined],
    ['Failed', 'failed', 'transient'],
    ['Rejected', 'failed', 'relaunch'],
    ['Cancel Requested', 'running', undefined], // not terminal: the job may still stop or finish
    ['User Cancelled', 'cancelled', 'transient'],
    // The cancellation section of the docs spells statuses in snake_case.
    ['waiting_for_capacity', 'pending', undefined],
    ['user_canceled', 'cancelled', 'transient'],
    ['cancel_requested', 'running', undefined],
    ['in_progress', 'running', undefined],
  ];
  it.each(cases)('%s → %s', (vendor, state, failure) => {
    const s = mapAddeparStatus('j1', { status: vendor });
    expect(s.state).toBe(state);
    expect(s.failure).toBe(failure);
    expect(s.vendorStatus).toBe(vendor);
  });

  it('Error Cancelled with a 400 error object is a config failure carrying the detail', () => {
    const s = mapAddeparStatus('j1', {
      status: 'Error Cancelled',
      errors: [{ status: '400', title: 'Bad Request', detail: 'Invalid portfolio: ENTITY 10' }],
    });
    expect(s).toMatchObject({ state: 'failed', failure: 'config', message: 'Invalid portfolio: ENTITY 10' });
  });

  it('"Error" (as in the job list example) maps like Error Cancelled', () => {
    const s = mapAddeparStatus('j1', { status: 'Error', errors: [{ status: '400', detail: 'Invalid portfolio: ENTITY 10' }] });
    expect(s).toMatchObject({ state: 'failed', failure: 'config' });
  });

  it('Error Cancelled with a server error object is transient', () => {
    const s = mapAddeparStatus('j1', { status: 'Error Cancelled', errors: [{ status: '500', title: 'Internal Server Error' }] });
    expect(s).toMatchObject({ state: 'failed', failure: 'transient', message: 'Internal Server Error' });
  });

  it('an unknown status is a system error naming it and the job', () => {
    expect(() => mapAddeparStatus('job-7', { status: 'Hibernating' })).toThrow(SystemError);
    expect(() => mapAddeparStatus('job-7', { status: 'Hibernating' })).toThrow(/"Hibernating".*job-7/);
  });

  it('a missing status is unknown, not pending', () => {
    expect(() => mapAddeparStatus('j', {})).toThrow(SystemError);
  });

  it('reports progress as 0..100 from Addepar fractions', () => {
    expect(mapAddeparStatus('j', { status: 'In Progress', percent_complete: 0.25 }).percentComplete).toBe(25);
    expect(percentOf(1.0)).toBe(100);
    expect(percentOf(null)).toBeUndefined();
    expect(percentOf(55)).toBe(55);
  });

  it('normalises spellings', () => {
    expect(normaliseStatus('In Progress - Waiting For Capacity')).toBe('in_progress_waiting_for_capacity');
    expect(normaliseStatus('Canceled')).toBe('cancelled');
  });
});
