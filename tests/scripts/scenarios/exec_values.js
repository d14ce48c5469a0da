import exec from "k6/execution";

export const options = {
  scenarios: { pair: { executor: "shared-iterations", vus: 2, iterations: 10 } },
};

export default function () {
  const options = exec.test.options;
  console.log(
    "state " +
      JSON.stringify({
        name: exec.scenario.name,
        executor: exec.scenario.executor,
        idInTest: exec.vu.idInTest,
        iterationInScenario: exec.vu.iterationInScenario,
        iterationInTest: exec.scenario.iterationInTest,
        vusInitialized: exec.instance.vusInitialized,
        completed: exec.instance.iterationsCompleted,
        progress: exec.scenario.progress,
        hasScenarios: !!(options.scenarios && options.scenarios.pair),
      }),
  );
}
