// @sfw/bench: what suite files import.
export { summarize, timeIt, type BenchRecord, type BenchRunOptions, type BenchSuite, type TimeItOptions, type Timing } from './suite.ts';
export { machineRecord, type MachineRecord } from './machine.ts';
export { discoverSuites, type BrokenSuite, type DiscoveredSuite } from './discover.ts';
export { renderChart, readRecords } from './chart.ts';
