import assert from 'node:assert/strict';
import {
  formatWindow,
  isOpen,
  nextClosing,
  nextOpening,
  parseDays,
  parseWindow,
  windowStatus,
  WindowSpecError,
  type MaintenanceWindow,
} from '../../common/windows';
import { instantOf, offsetAt } from '../../common/windows/zone-time';

// Maintenance windows are pure functions of the windows and a time: every case here names its instant
// in UTC and what the local clock shows then. DST dates are those of the IANA rules (EU: last Sunday of
// March 01:00 UTC, last Sunday of October 01:00 UTC; US: second Sunday of March, first of November).

const at = (iso: string) => Date.parse(iso);
const w = (text: string): MaintenanceWindow[] => [parseWindow(text)];

describe('ops: maintenance window specs', () => {
  it('parses days, ranges over the weekend, lists, times and zones', () => {
    assert.deepEqual(parseWindow('Mon-Fri 22:00-06:00 Europe/Berlin'), {
      days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
      start: '22:00',
      end: '06:00',
      timeZone: 'Europe/Berlin',
    });
    assert.deepEqual(parseDays('Fri-Mon'), ['Mon', 'Fri', 'Sat', 'Sun']);
    assert.deepEqual(parseDays('mon-wed,FRI'), ['Mon', 'Tue', 'Wed', 'Fri']);
    assert.deepEqual(parseDays('saturday,sunday'), ['Sat', 'Sun']);
    assert.equal(parseDays('daily').length, 7);
    assert.equal(parseDays('*').length, 7);
    assert.deepEqual(parseWindow('9:00-17:30 UTC'), {
      days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
      start: '09:00',
      end: '17:30',
      timeZone: 'UTC',
    });
    assert.equal(parseWindow('Sat 00:00-24:00 UTC').end, '24:00');
  });

  it('prints the canonical text back', () => {
    for (const [input, text] of [
      ['Mon-Fri 22:00-06:00 Europe/Berlin', 'Mon-Fri 22:00-06:00 Europe/Berlin'],
      ['fri-mon 01:00-05:00 UTC', 'Fri-Mon 01:00-05:00 UTC'],
      ['Mon,Wed,Fri 01:00-05:00 UTC', 'Mon,Wed,Fri 01:00-05:00 UTC'],
      ['01:00-05:00 America/New_York', 'daily 01:00-05:00 America/New_York'],
    ])
      assert.equal(formatWindow(parseWindow(input)), text);
  });

  it('refuses bad values with the reason', () => {
    const refused = (text: string, reason: RegExp) =>
      assert.throws(
        () => parseWindow(text),
        (e: Error) => e instanceof WindowSpecError && reason.test(e.message),
      );
    refused('Funday 22:00-06:00 UTC', /"Funday" is not a day/);
    refused('Mon-Fri 25:00-06:00 UTC', /"25:00": must be HH:MM/);
    refused('Mon-Fri 22:00-06:60 UTC', /"06:60": must be HH:MM/);
    refused('Mon-Fri 22:00-06:00 Mars/Olympus', /"Mars\/Olympus": must be an IANA time zone/);
    refused('Mon-Fri 22:00-06:00', /a time zone is required/);
    refused('Mon 22:00-22:00 UTC', /must not end when it starts/);
    refused('Mon 22:00 UTC', /not a time range/);
    refused('Mon,,Tue 22:00-23:00 UTC', /empty day/);
    refused('Mon-Tue-Wed 22:00-23:00 UTC', /not a day or a day range/);
    refused('Mon 22:00-23:00 UTC extra', /expected \[DAYS\] HH:MM-HH:MM ZONE/);
  });
});

describe('ops: when maintenance windows are open', () => {
  const berlinNights = w('Mon-Fri 22:00-06:00 Europe/Berlin');

  it('opens on the listed days, over midnight into the next morning', () => {
    // 2025-01-06 is a Monday; Berlin is UTC+1 in winter.
    assert.equal(isOpen(berlinNights, at('2025-01-06T20:59:59Z')), false); // Mon 21:59:59
    assert.equal(isOpen(berlinNights, at('2025-01-06T21:00:00Z')), true); // Mon 22:00
    assert.equal(isOpen(berlinNights, at('2025-01-07T04:59:59Z')), true); // Tue 05:59:59
    assert.equal(isOpen(berlinNights, at('2025-01-07T05:00:00Z')), false); // Tue 06:00
    assert.equal(isOpen(berlinNights, at('2025-01-11T04:00:00Z')), true); // Sat 05:00: Friday's window
    assert.equal(isOpen(berlinNights, at('2025-01-11T21:30:00Z')), false); // Sat 22:30
    assert.equal(isOpen(berlinNights, at('2025-01-12T22:30:00Z')), false); // Sun 23:30
    assert.equal(isOpen(berlinNights, at('2025-01-13T04:00:00Z')), false); // Mon 05:00: no Sunday window
  });

  it('says when the next window opens, and how long that is', () => {
    const sat = at('2025-01-11T09:48:00Z'); // Sat 10:48 CET
    assert.equal(nextOpening(berlinNights, sat), at('2025-01-13T21:00:00Z'));
    const status = windowStatus(berlinNights, at('2025-01-13T17:48:00Z')); // Mon 18:48 CET
    assert.deepEqual(status, {
      open: false,
      opensAtMs: at('2025-01-13T21:00:00Z'),
      text: 'waiting for the window Mon 22:00 CET, in 3h12m',
    });
    assert.equal(windowStatus(berlinNights, sat).text, 'waiting for the window Mon 22:00 CET, in 2d11h');
    assert.equal(nextOpening(berlinNights, at('2025-01-06T22:00:00Z')), at('2025-01-06T22:00:00Z'));
  });

  it('says when an open window closes', () => {
    const mon = at('2025-01-06T23:00:00Z'); // Tue 00:00 CET
    assert.equal(nextClosing(berlinNights, mon), at('2025-01-07T05:00:00Z'));
    assert.equal(windowStatus(berlinNights, mon).text, 'in the window until Tue 06:00 CET, 6h00m left');
    assert.equal(nextClosing(berlinNights, at('2025-01-07T12:00:00Z')), undefined);
  });

  it('joins windows that overlap or touch into one stretch', () => {
    const weekend = [parseWindow('Sat 00:00-24:00 UTC'), parseWindow('Sun 00:00-24:00 UTC')];
    // 2025-01-11 is a Saturday.
    assert.equal(nextClosing(weekend, at('2025-01-11T12:00:00Z')), at('2025-01-13T00:00:00Z'));
    const both = [parseWindow('Mon 01:00-03:00 UTC'), parseWindow('Mon 02:00-05:00 UTC')];
    assert.equal(isOpen(both, at('2025-01-06T04:30:00Z')), true);
    assert.equal(nextClosing(both, at('2025-01-06T01:30:00Z')), at('2025-01-06T05:00:00Z'));
    // The union opens at the earliest of the windows.
    const zones = [
      parseWindow('Mon 22:00-23:00 Europe/Berlin'),
      parseWindow('Mon 09:00-10:00 America/New_York'),
    ];
    assert.equal(nextOpening(zones, at('2025-01-06T00:00:00Z')), at('2025-01-06T14:00:00Z'));
  });

  it('without windows, any time is open', () => {
    assert.equal(isOpen([], 0), true);
    assert.equal(nextOpening([], 42), 42);
    assert.equal(nextClosing([], 42), undefined);
  });

  it('a window that is open around the clock reports the end of what it looked at', () => {
    const always = w('daily 00:00-24:00 UTC');
    const now = at('2025-01-06T12:00:00Z');
    assert.ok((nextClosing(always, now) as number) >= now + 14 * 86_400_000);
  });
});

describe('ops: maintenance windows across DST changes', () => {
  it('spring (Europe/Berlin, 2025-03-30 02:00 -> 03:00): a window starting in the skipped hour opens at the jump', () => {
    const win = w('Sun 02:30-04:00 Europe/Berlin');
    assert.equal(offsetAt(at('2025-03-30T00:59:59Z'), 'Europe/Berlin'), 3_600_000);
    assert.equal(offsetAt(at('2025-03-30T01:00:00Z'), 'Europe/Berlin'), 7_200_000);
    assert.equal(nextOpening(win, at('2025-03-29T12:00:00Z')), at('2025-03-30T01:00:00Z')); // 03:00 CEST
    assert.equal(isOpen(win, at('2025-03-30T00:59:59Z')), false); // 01:59:59 CET
    assert.equal(nextClosing(win, at('2025-03-30T01:00:00Z')), at('2025-03-30T02:00:00Z')); // 04:00 CEST
    assert.equal(
      windowStatus(win, at('2025-03-30T00:00:00Z')).text,
      'waiting for the window Sun 03:00 CEST, in 1h00m',
    );
  });

  it('spring: a window wholly inside the skipped hour does not open that day', () => {
    const win = w('Sun 02:00-02:30 Europe/Berlin');
    assert.equal(nextOpening(win, at('2025-03-29T12:00:00Z')), at('2025-04-06T00:00:00Z'));
  });

  it('spring: a window over the change is an hour shorter, closing at the same local time', () => {
    const win = w('Sat 22:00-06:00 Europe/Berlin');
    assert.equal(nextOpening(win, at('2025-03-29T12:00:00Z')), at('2025-03-29T21:00:00Z')); // 22:00 CET
    assert.equal(nextClosing(win, at('2025-03-29T21:00:00Z')), at('2025-03-30T04:00:00Z')); // 06:00 CEST
  });

  it('autumn (Europe/Berlin, 2025-10-26 03:00 -> 02:00): the repeated hour opens at its first pass and the window is an hour longer', () => {
    const win = w('Sun 02:30-03:30 Europe/Berlin');
    assert.equal(nextOpening(win, at('2025-10-25T12:00:00Z')), at('2025-10-26T00:30:00Z')); // 02:30 CEST
    assert.equal(nextClosing(win, at('2025-10-26T00:30:00Z')), at('2025-10-26T02:30:00Z')); // 03:30 CET
    assert.equal(isOpen(win, at('2025-10-26T01:15:00Z')), true); // 02:15 CET, the second pass
  });

  it('autumn: a window ending in the repeated hour closes at its first pass', () => {
    const win = w('Sat 22:00-02:30 Europe/Berlin');
    assert.equal(nextClosing(win, at('2025-10-25T21:00:00Z')), at('2025-10-26T00:30:00Z')); // 02:30 CEST
    assert.equal(isOpen(win, at('2025-10-26T01:15:00Z')), false); // 02:15 CET: already closed
  });

  it('America/New_York: the US change dates (2025-03-09, 2025-11-02)', () => {
    const win = w('daily 02:15-02:45 America/New_York');
    assert.equal(
      instantOf({ year: 2025, month: 3, day: 9 }, 135, 'America/New_York'),
      at('2025-03-09T07:00:00Z'),
    );
    // 2025-03-09 02:15-02:45 does not exist: no window that day; the next is 03-10 02:15 EDT.
    assert.equal(nextOpening(win, at('2025-03-09T05:00:00Z')), at('2025-03-10T06:15:00Z'));
    // 2025-11-02 01:00-02:00 repeats; 02:15 exists once (EST).
    assert.equal(nextOpening(win, at('2025-11-02T04:00:00Z')), at('2025-11-02T07:15:00Z'));
    assert.equal(
      windowStatus(win, at('2025-11-02T04:00:00Z')).text,
      'waiting for the window Sun 02:15 EST, in 3h15m',
    );
  });

  it('the next opening is open and the second before it is not (every zone and hour of a year)', () => {
    const zones = [
      'Europe/Berlin',
      'America/New_York',
      'Australia/Sydney',
      'Asia/Kolkata',
      'UTC',
      'Australia/Lord_Howe',
    ];
    for (const timeZone of zones) {
      const wins = [
        parseWindow(`Sun,Wed 01:30-03:15 ${timeZone}`),
        parseWindow(`Sat 23:00-02:30 ${timeZone}`),
      ];
      for (
        let t = at('2025-01-01T00:00:00Z');
        t < at('2026-01-01T00:00:00Z');
        t += 29 * 3_600_000 + 17 * 60_000
      ) {
        const next = nextOpening(wins, t);
        assert.ok(next >= t, `${timeZone} ${new Date(t).toISOString()}`);
        assert.equal(isOpen(wins, next), true, `${timeZone}: open at ${new Date(next).toISOString()}`);
        if (next > t)
          assert.equal(
            isOpen(wins, next - 1_000),
            false,
            `${timeZone}: before ${new Date(next).toISOString()}`,
          );
        const close = nextClosing(wins, next) as number;
        assert.ok(close > next);
        assert.equal(isOpen(wins, close), false, `${timeZone}: closed at ${new Date(close).toISOString()}`);
      }
    }
  });
});
