"""importers.matching.pair's short way (the surest keys agree item by item: each item pairs
with the one at its own place) gives what the stages give."""

from hypothesis import given
from hypothesis import strategies as st

from importers.matching import Stage, pair

keys = st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["a", "b", None])), max_size=8)
STAGES = [
    Stage(lambda o: o if o[1] else None, lambda n: n),
    Stage(lambda o: o[0], lambda n: n[0]),
    Stage(lambda o: True, lambda n: True, single=True),
]
# a first stage that pairs nothing: pair takes the stages one by one
SLOW = [Stage(lambda o: None, lambda n: None), *STAGES]


@given(existing=keys, wanted=keys, same=st.booleans())
def test_pair_short_way_agrees_with_the_stages(existing, wanted, same):
    if same:
        wanted = list(existing)
    assert pair(existing, wanted, STAGES) == pair(existing, wanted, SLOW)
    if same and all(k[1] for k in existing):
        assert pair(existing, wanted, STAGES) == {j: j for j in range(len(existing))}
