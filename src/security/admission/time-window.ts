/**
 * Time windows for access rules: days of the week and an "HH:MM-HH:MM" range in an IANA time zone, read
 * through Intl.DateTimeFormat (so DST follows the zone's rules). A range whose end is before its start wraps
 * past midnight ("22:00-06:00"); the day named is the day the window starts on.
 */
import type { DayName } from '../../config/index.js';

const DAY_INDEX: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const NAMES: DayName[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  return f;
}

/** Local weekday (0 = Sunday) and minute of the day at `at` in `tz`. */
export function localTime(at: number, tz: string): { day: number; minute: number } {
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of formatter(tz).formatToParts(at)) {
    if (part.type === 'weekday') day = DAY_INDEX[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

export interface TimeWindow {
  days?: DayName[];
  hours?: string;
  tz: string;
}

function parseHours(text: string): [number, number] {
  const [from, to] = text.split('-') as [string, string];
  const toMinutes = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));
  return [toMinutes(from), toMinutes(to)];
}

/** True when `at` falls in the window (a window with neither days nor hours always matches). */
export function inWindow(window: TimeWindow, at: number): boolean {
  if (!window.days && !window.hours) return true;
  const { day, minute } = localTime(at, window.tz);
  const dayOk = (d: number) => !window.days || window.days.includes(NAMES[d]!);
  if (!window.hours) return dayOk(day);
  const [from, to] = parseHours(window.hours);
  if (from <= to) return dayOk(day) && minute >= from && minute < to;
  // Wraps midnight: the evening part belongs to today, the morning part to the day before.
  if (minute >= from) return dayOk(day);
  if (minute < to) return dayOk((day + 6) % 7);
  return false;
}
