"""The synthetic atlas generator: labelled synthetic everywhere, deterministic, realistic shape, loadable."""

import numpy as np
import pandas as pd
import pytest

from essnum.data.atlas import load_atlas
from essnum.data.synthetic import FAMILY_SHARES, synthetic_atlas, write_synthetic_atlas


@pytest.fixture(scope="module")
def atlas():
    return synthetic_atlas(3000, seed=7)


def test_every_row_is_labelled_synthetic(atlas):
    organisations, links = atlas
    assert organisations["synthetic"].all() and links["synthetic"].all()
    assert organisations["name"].str.startswith("SYNTHETIC ").all()
    assert links["collective_label"].str.startswith("SYNTHETIC ").all()
    assert set(organisations["source"]) == set(links["source"]) == {"synthetic"}


def test_same_seed_same_atlas_other_seed_other_atlas(atlas):
    again = synthetic_atlas(3000, seed=7)
    pd.testing.assert_frame_equal(atlas[0], again[0])
    pd.testing.assert_frame_equal(atlas[1], again[1])
    assert not synthetic_atlas(3000, seed=8)[1].equals(atlas[1])


def test_structure_is_realistic(atlas):
    organisations, links = atlas
    assert set(links["organisation_id"]) <= set(organisations["id"])
    assert not links.duplicated(["organisation_id", "collective_id"]).any()
    assert set(organisations["family"]) == set(FAMILY_SHARES)
    assert organisations["country"].value_counts().index[0] == "FR"
    sizes = links.groupby("collective_id").size()
    assert sizes.max() >= 10 * sizes.median()  # heavy tail: a few large networks, many small projects
    memberships = links.groupby("organisation_id").size()
    assert memberships.max() >= 5 * memberships.median()  # a few very active organisations
    # Homophily: a collective's members share its dominant family more often than chance.
    family = links["organisation_id"].map(organisations.set_index("id")["family"])
    top_share = family.groupby(links["collective_id"]).agg(lambda f: f.value_counts().iloc[0] / len(f))
    assert top_share[sizes[sizes >= 10].index].mean() > 2 * max(FAMILY_SHARES.values())


def test_written_atlas_loads_with_the_atlas_loader(tmp_path):
    write_synthetic_atlas(tmp_path, 200, seed=1)
    loaded = load_atlas(tmp_path)
    assert loaded.ok, [str(p) for p in loaded.report.errors]
    organisations, links = synthetic_atlas(200, seed=1)
    assert len(loaded.organisations) == len(organisations) and len(loaded.links) == len(links)
    assert np.array_equal(loaded.organisations["id"].to_numpy(dtype=str), organisations["id"].to_numpy(dtype=str))


def test_too_small_is_refused():
    with pytest.raises(ValueError, match="at least 10"):
        synthetic_atlas(5)
