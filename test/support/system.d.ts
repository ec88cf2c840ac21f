/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number>;
/** The process's resident set size now (VmRSS), in MB; undefined once it has exited. */
export function rssMb(pid: number): number | undefined;
/** The process's peak resident set size so far (VmHWM), in MB. */
export function peakRssMb(pid: number): number;
