// Plaintext id alignment of the bundled samples, standing in for the PSI step in job tests.
export { writeAlignedSample } from '@sfw/testkit';
