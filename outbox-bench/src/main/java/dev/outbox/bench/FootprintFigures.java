package dev.outbox.bench;

/**
 * One contender's figures in {@link RelayFootprint}. Times in ms or s as named, CPU in seconds of one CPU, RSS in
 * MB; {@code NaN} when the phase produced no figure.
 *
 * @param firstEventMs        process launch until the driver's consumer has the first event
 * @param cpuToFirstEventS    the process's CPU time at that moment
 * @param p99At1000Ms         commit → consume p99 of every event written at 1,000 events/s from the first event on
 * @param idleCpuPercent      the process's CPU over the idle window, in % of one CPU
 * @param idleRssMb           resident memory at the end of the idle window
 * @param idleThreads         the busiest threads of the idle window
 * @param drainEventsPerSecond a cold drain of the backlog, (N − 1) / (last event − first event)
 * @param drainFromLaunchS    process launch until the last event of the backlog
 * @param drainCpuS           the process's CPU time at the end of the drain
 * @param drainPeakRssMb      peak resident memory (VmHWM) at the end of the drain
 * @param drainThreads        the busiest threads of the cold drain (launch → last event), CPU µs per event
 * @param p99At5000Ms         commit → consume p99 at 5,000 events/s right after the drain
 * @param rssAt5000Mb         the highest resident memory sampled while writing at 5,000 events/s
 * @param warmDrainEventsPerSecond a backlog drained by the drain's process once warm, (N − 1) / (last − first)
 * @param warmDrainCpuMicrosPerEvent the process's CPU during that drain, per event
 * @param warmDrainThreads    the busiest threads of that drain, CPU µs per event
 * @param warmP99At1000Ms     commit → consume p99 at 1,000 events/s after the warm drains
 * @param loadAverage         the machine's load average after the contender
 */
record FootprintFigures(FootprintContender contender, double firstEventMs, double cpuToFirstEventS,
        double p99At1000Ms, double idleCpuPercent, double idleRssMb, String idleThreads,
        double drainEventsPerSecond, double drainFromLaunchS, double drainCpuS, double drainPeakRssMb,
        String drainThreads, double p99At5000Ms, double rssAt5000Mb, double warmDrainEventsPerSecond,
        double warmDrainCpuMicrosPerEvent, String warmDrainThreads, double warmP99At1000Ms, String loadAverage) {
}
