"Every shipped prompt set has a data card that parses as a Hugging Face dataset card."
from pathlib import Path

import pytest
from huggingface_hub import DatasetCard

from debiaslens_nb.core import asset_path, load_asset_json

ROOT = Path(__file__).resolve().parents[1]
CARDS = sorted((ROOT / "data_cards").glob("*.md"))
SECTIONS = ["## Dataset description", "## Collection process and source", "## Licence",
            "## Known biases and limitations", "## Intended use"]


def test_there_are_cards():
    assert len(CARDS) >= 20


@pytest.mark.parametrize("card_path", CARDS, ids=lambda p: p.stem)
def test_card_parses_with_datasheet_sections(card_path):
    card = DatasetCard.load(card_path)
    assert card.data.license, f"{card_path.name}: no licence in the YAML header"
    assert card.data.pretty_name
    for section in SECTIONS:
        assert section in card.text, f"{card_path.name}: missing section {section!r}"


def test_every_prompt_asset_has_a_card_and_loads():
    prompts = sorted(asset_path("prompts").glob("*.json"))
    assert len(prompts) == 12
    names = {p.stem for p in CARDS}
    for p in prompts:
        assert p.stem in names, f"no data card for {p.name}"
        assert load_asset_json("prompts", p.name)


def test_the_sem_query_prompts_ship_with_their_card():
    files = sorted(asset_path("prompts", "sem_query_templates").glob("*.json"))
    assert len(files) == 6 and "sem_query_templates" in {p.stem for p in CARDS}
    for p in files:
        assert load_asset_json("prompts", "sem_query_templates", p.name)
