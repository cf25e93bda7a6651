// Prints the plain closing line CI reads ("N passed, N failed"): jest's own summary is not read.
// A suite that fails to load counts as one failure, so a broken file cannot pass unseen.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
