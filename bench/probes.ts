/** What a running process costs: its RSS and CPU time (Linux /proc), and the service's heap (/metrics). */
import { readFileSync } from 'node:fs';
import { round } from './stats';

export interface Memory {
  rssMb: number;
  peakMb: number;
}

/** VmRSS and VmHWM (peak) of a process, in MB (Linux /proc). */
export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: round(kb('VmRSS') / 1024, 1), peakMb: round(kb('VmHWM') / 1024, 1) };
}

/**
 * Where the service's memory is, from its own /metrics (Node's default metrics): RSS, the V8 heap
 * (total and used; new and old space committed), and memory outside the heap (Buffers, native).
 */
export async function heapOf(serviceUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  const mb = (pattern: RegExp): number => {
    const value = pattern.exec(text)?.[1];
    return value === undefined ? NaN : round(Number(value) / 1024 / 1024, 1);
  };
  return {
    rssMb: mb(/^process_resident_memory_bytes (\S+)$/m),
    heapTotalMb: mb(/^nodejs_heap_size_total_bytes (\S+)$/m),
    heapUsedMb: mb(/^nodejs_heap_size_used_bytes (\S+)$/m),
    newSpaceMb: mb(/^nodejs_heap_space_size_total_bytes\{space="new"\} (\S+)$/m),
    oldSpaceMb: mb(/^nodejs_heap_space_size_total_bytes\{space="old"\} (\S+)$/m),
    externalMb: mb(/^nodejs_external_memory_bytes (\S+)$/m),
  };
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc, 100 Hz ticks). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
