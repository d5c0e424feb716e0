"""A new env family on the seams: a typed target, a Scorer, a shared and split task source."""

from dataclasses import dataclass

from agent_rl import envs

CAPITALS = {"France": "Paris", "Peru": "Lima", "Kenya": "Nairobi", "Japan": "Tokyo",
            "Chile": "Santiago", "Egypt": "Cairo", "Canada": "Ottawa", "Nepal": "Kathmandu"}


@dataclass(frozen=True)
class City(envs.Target):  # the gold, typed and JSON-serialisable
    kind = "example_city"
    name: str = ""
    country: str = ""


class CityScorer(envs.Scorer[str]):  # reward = exact match x the answer names its country
    def score(self, answer: str, task: envs.Task) -> envs.Score:
        text, gold = (answer or "").strip(), task.target
        return envs.Score.combine({"correct": float(text.split(",")[0] == gold.name),
                                   "names_country": float(gold.country in text)})


@envs.register_env("examples/Capitals-v0")
class CapitalsEnv(envs.AgentEnv):
    """Name a country's capital, then the country: "Paris, France"."""

    def __init__(self, split: str = "all") -> None:
        tasks = envs.shared_tasks(("capitals",), lambda: [
            envs.Task(id=f"cap-{c}", prompt=f"Capital of {c}?", target=City(city, c))
            for c, city in CAPITALS.items()])
        super().__init__(envs.split_tasks(tasks, split), system_prompt="Answer: City, Country")
        self.scorer = CityScorer()

    def finish(self, action: envs.Message) -> envs.StepOutcome:
        return envs.StepOutcome(score=self.scorer.score(action["content"], self.task),
                                terminated=True)

    def reference_action(self) -> envs.Message:
        gold = self.task.target
        return {"role": "assistant", "content": f"{gold.name}, {gold.country}"}
