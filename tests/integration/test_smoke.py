from supervise.services.queries import ProblemFilter, list_problems


def test_it_imports_the_walkthrough_plan(walkthrough):
    rows = list_problems(walkthrough, ProblemFilter())
    assert [(r["number"], r["state"], r["lead_unit"], r["units"]) for r in rows] == [
        (13, "assigned", "区水务和湖泊局", ["区城管执法局"])
    ]
