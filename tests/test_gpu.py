"""CUDA checks, skipped on machines without a GPU (CI has none): bf16-autocast SAE training against fp32, and
DeBiasLens on a ViT-B/16 on the GPU — the last-block fast path against every token, exact restore after the
hook, and the evaluation harness end to end. On a GPU box: `pytest tests/test_gpu.py`."""
import pytest
import torch

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_sae_bf16_autocast_trains_like_fp32():
    from debiaslens_nb.sae import SAE, SAEConfig, evaluate_sae, planted_dictionary, train_sae
    x, _ = planted_dictionary(n=20000, d=64, n_atoms=256, active=4, seed=0, noise=0.01)
    fvu = {}
    for autocast in (False, True):
        sae = SAE(SAEConfig(d_in=64, expansion_factor=8, kind="matryoshka_batchtopk", k=8), seed=0).cuda()
        train_sae(sae, x, steps=600, batch_size=1024, seed=0, progress=False, autocast=autocast)
        assert sae.W_enc.device.type == "cuda" and sae.W_enc.dtype == torch.float32   # weights stay fp32
        fvu[autocast] = evaluate_sae(sae, x)["fvu"]
    print("FVU fp32 / bf16 autocast:", fvu)
    assert fvu[False] < 0.5 and fvu[True] < fvu[False] + 0.03


@pytest.fixture(scope="module")
def vitb16():
    from debiaslens_nb.models import load_vlm
    torch.manual_seed(0)
    return load_vlm("ViT-B-16", pretrained=None, device="cuda")


def _intervention(d_in: int):
    from debiaslens_nb.intervene import Intervention
    from debiaslens_nb.sae import SAE, SAEConfig
    return Intervention(
        SAE(SAEConfig(d_in=d_in, expansion_factor=8, kind="matryoshka_batchtopk", k=32), seed=0), [1, 2, 3], alpha=0.6
    )


@pytest.mark.parametrize("site", ["image.block11", "text.block11"])
def test_last_block_fast_path_on_cuda(vitb16, site):
    from debiaslens_nb.intervene import attach
    intervention = _intervention(vitb16.site_dim(site))           # image width 768, text width 512
    text = site.startswith("text")
    inputs = ["a photo of a doctor.", "a nurse at work.", "an engineer."] if text else torch.rand(4, 3, 224, 224)
    encode = vitb16.encode_texts if text else vitb16.encode_images
    plain = encode(inputs)
    with attach(vitb16, site, intervention): fast = encode(inputs)
    with attach(vitb16, site, intervention, tokens="all"): every = encode(inputs)
    assert torch.allclose(fast, every, atol=1e-4), (fast - every).abs().max()
    assert not torch.allclose(fast, plain, atol=1e-4)
    assert torch.equal(encode(inputs), plain)                # hook removed: the original outputs, bit for bit


def test_harness_on_cuda(vitb16):
    from debiaslens_nb.baselines import BiasContext, make_debiaser
    from debiaslens_nb.evaluate import evaluate_retrieval, summarize_retrieval
    images = torch.rand(16, 3, 224, 224)
    labels = {"gender": ["male", "female"] * 8}
    ctx = {"gender": BiasContext("gender", {"male": ["a photo of a man."], "female": ["a photo of a woman."]})}
    methods = {
        "baseline": make_debiaser("baseline", vitb16),
        "debiaslens-image": make_debiaser(
            "debiaslens-image", vitb16, sae=_intervention(768).sae, neurons=[1, 2, 3], site="image.block11"
        ),
        "orth-proj": make_debiaser("orth-proj", vitb16),
    }
    res = summarize_retrieval(
        evaluate_retrieval(
            methods,
            images,
            labels,
            {"occupations": ["a photo of a doctor.", "a photo of a nurse."]},
            ctx,
            k=4,
            progress_bar=False,
        )
    )
    assert set(res.method) == set(methods) and res["mean"].notna().all()
