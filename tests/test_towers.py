"""Every kind of open_clip tower at random weights, offline: a ViT, a ResNet (`ModifiedResNet`, as RN50), a timm ViT
trunk with attention pooling (as SigLIP) and a timm ConvNeXt. Each one is fitted (`fit_debiaser`), debiased at its
last block and at an inner block, wrapped as a drop-in model and run through open_clip's zero-shot classifier."""
import warnings

import open_clip
import pytest
import torch
from open_clip.model import CLIP

from debiaslens_nb.dropin import debias_model
from debiaslens_nb.faceworld import make_faceworld
from debiaslens_nb.fit import fit_debiaser
from debiaslens_nb.intervene import debias, save_bundle
from debiaslens_nb.models import load_vlm
from debiaslens_nb.vlm import UnsupportedModelError

TEXT = dict(context_length=32, vocab_size=49408, width=64, heads=2, layers=2)
TOWERS = {   # name: (embed_dim, vision config, image sites, width of the last one, pooled token)
    "vit": (32, dict(image_size=32, layers=2, width=64, patch_size=8, head_width=32), 2, 64, "first"),
    "resnet": (32, dict(image_size=64, layers=(1, 1, 1, 1), width=16, head_width=16), 4, 512, "all"),
    "timm-vit-map": (192, dict(image_size=224, timm_model_name="vit_tiny_patch16_224", timm_pool="map",
                               timm_proj="none"), 12, 192, "all"),
    "timm-convnext": (32, dict(image_size=64, timm_model_name="convnext_atto", timm_pool="", timm_proj="linear"),
                      12, 320, "all"),
}


@pytest.fixture(scope="module")
def faces():
    ds = make_faceworld(48, "eval", seed=3)
    return list(ds["image"]), list(ds["gender"])


@pytest.mark.parametrize("tower", sorted(TOWERS))
def test_fit_drop_in_and_zero_shot_on_every_tower(tmp_path, faces, tower):
    embed_dim, vision, n_sites, width, pool = TOWERS[tower]
    torch.manual_seed(0)
    model = CLIP(embed_dim=embed_dim, vision_cfg=vision, text_cfg=TEXT).eval()
    preprocess = open_clip.image_transform(model.visual.image_size, is_train=False)
    tokenizer = open_clip.tokenizer.SimpleTokenizer(context_length=32)
    vlm = load_vlm(model, preprocess=preprocess, tokenizer=tokenizer)
    sites = [s for s in vlm.sites if s.startswith("image.")]
    assert (len(sites), vlm.site_dim(sites[-1]), vlm.pooling("image").kind) == (n_sites, width, pool)
    images, genders = faces
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                       # random weights: no social neuron, said by a warning
        fitted = fit_debiaser(model, images, {"gender": genders}, preprocess=preprocess, tokenizer=tokenizer,
                              steps=10, expansion_factor=2, k=4, min_group_size=10, progress=False)
    assert fitted.report["site"] == sites[-1] and fitted.report["n_images"] == 48
    pixels = torch.stack([preprocess(im) for im in images[:6]])
    plain = vlm.encode_images(pixels)
    for site in (sites[-1], sites[len(sites) // 2]):          # the last block and an inner one (every token)
        edited = debias(vlm, site, fitted.intervention.sae if site == sites[-1] else
                        type(fitted.intervention.sae)(type(fitted.intervention.sae.cfg)(
                            d_in=vlm.site_dim(site), d_sae=2 * vlm.site_dim(site), k=4), seed=0),
                        list(range(8)), alpha=1.0)
        assert not torch.allclose(edited.encode_images(pixels), plain), site
        assert torch.equal(vlm.encode_images(pixels), plain)  # the hooks are gone afterwards
    save_bundle(edited, tmp_path / "bundle")
    dm = debias_model(model, tmp_path / "bundle", preprocess, tokenizer)
    torch.testing.assert_close(dm.encode_image(pixels), edited.encode_images(pixels).to(plain.dtype))
    classifier = open_clip.build_zero_shot_classifier(dm, tokenizer=tokenizer, classnames=["nurse", "pilot"],
                                                      templates=[lambda c: f"a photo of a {c}."], device="cpu",
                                                      use_tqdm=False)
    logits = dm.encode_image(pixels, normalize=True) @ classifier
    assert logits.shape == (6, 2) and torch.isfinite(logits).all()


def test_an_unsupported_tower_is_named_with_what_is_supported():
    model = CLIP(embed_dim=32, vision_cfg=TOWERS["vit"][1], text_cfg=TEXT)
    model.visual = torch.nn.Linear(3, 32)
    with pytest.raises(UnsupportedModelError, match="supported towers: open_clip VisionTransformer"):
        load_vlm(model, preprocess=lambda image: image)
