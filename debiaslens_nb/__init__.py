"""Debias vision-language models inside sparse autoencoders: DeBiasLens and SEM, reproduced and tested.

Modules:

- `debiaslens_nb.activations`: Activation sources: an in-memory tensor or a sharded, checksummed on-disk store that streams shuffled batches to the SAE trainer in constant memory.
- `debiaslens_nb.baselines`: Orth-Proj, Orth-Cali, RoboShot, Bend-VLM and BendSEM on embeddings, SANER, PRISM, PRISM-mini and ZSDebias from `08b_learned_baselines`, and a `Debiaser` registry that puts them next to DeBiasLens and SEM so the evaluation harness treats every method alike.
- `debiaslens_nb.cached_data`: The data a profile names (FaceWorld splits, FairFace, caption tables) and plain text embeddings, kept in checksummed, locked cache folders that are written atomically.
- `debiaslens_nb.ceilings`: What a perfect gender eraser at the same site and α would reach, and the direction oracle: the reference point every method's reduction is read against.
- `debiaslens_nb.collect`: Run a model once over a dataset with a forward hook on a site and write the chosen tokens into an activation store (cached by content, resumable).
- `debiaslens_nb.data`: Prompt sets, label vocabularies, a caption corpus, and loaders that bring FairFace, UTKFace, CelebA, Waterbirds and COCO captions into one schema.
- `debiaslens_nb.distributed`: Ranks of a `torch.distributed` run: what the data-parallel SAE trainer and the multi-process extractor exchange, and how the `debiaslens` command starts and joins such a run.
- `debiaslens_nb.dropin`: `debias_model(model, bundle)`: an `nn.Module` with open_clip's interface whose outputs are debiased, for open_clip's helpers, clip_benchmark and your own code.
- `debiaslens_nb.dry_run`: The whole paper pipeline with the real architecture at random weights and local data in FairFace's exact schema, scaled down by one factor, with each stage timed and extrapolated to the full profile.
- `debiaslens_nb.evaluate`: Methods × prompt sets × folds → tidy results: retrieval bias with confidence intervals, zero-shot accuracy with worst-group accuracy, the α trade-off, neuron specificity and the text-side benchmark.
- `debiaslens_nb.faceworld`: An offline model organism: procedurally drawn faces with known gender, skin tone and age, an occupation shown by headwear and uniform, biased captions — and a tiny CLIP that learns the bias.
- `debiaslens_nb.fit`: `fit_debiaser(model, images, labels)`: activations → SAE → social neurons → a debiased model and its bundle, in one call, with a report and a model card.
- `debiaslens_nb.intervene`: Debias a model in place: encode the residual stream with the SAE, set the social neurons to γ, decode, and blend — through forward hooks that leave the model untouched.
- `debiaslens_nb.learned_baselines`: The four comparison methods of both papers that learn something before they debias: their models, losses, training data and a checksummed cache of what they learn. `09_baselines` wraps them as `Debiaser`s.
- `debiaslens_nb.lmms_eval_model`: `DebiasLensLMM`: a plain or debiased assistant as an lmms-eval model (`--model debiaslens`), so MME, MMMU and SEED-Bench run on it in the ecosystem's harness; `mme_task`, a local task in MME's schema scored by lmms-eval's own MME code, which tests the path offline.
- `debiaslens_nb.lvlm`: `load_lvlm`: LLaVA, InternVL, Qwen2-VL, Idefics3 / SmolVLM and PaliGemma from transformers as one `LVLM`: the vision tower's hook sites, the chat template, option-letter probabilities and generation.
- `debiaslens_nb.metrics`: MaxSkew / MinSkew / NDKL / KL for retrieval fairness, accuracy metrics, the similarity gap and the disentanglement score.
- `debiaslens_nb.models`: `load_vlm`: one front door to every backend: open_clip names and saved directories, MiniLM, Hugging Face CLIP/SigLIP, and model objects you already hold.
- `debiaslens_nb.neurons`: DeBiasLens' localisation: latents that fire for nearly every sample of one demographic group and for no other group.
- `debiaslens_nb.paper_assistants`: `paper-internvl2-8b` and `paper-llava15-7b`: DeBiasLens in a real assistant's vision tower on FairFace and MIAP faces, against the random-neuron control, prompt engineering and pruning, with MME-style general performance; `--dry-run` builds each architecture's real shapes at random weights, runs every stage on local fixtures and extrapolates the full run's time on this machine and on a GPU.
- `debiaslens_nb.plots`: One paper style for every figure, deterministic PNG + PDF output, and the audit view: a gallery of the images that most activate each group's social neurons.
- `debiaslens_nb.pruning`: Gradient × weight importance of every MLP channel and attention head of an assistant's language model, for an objective that rewards general answers and penalises biased ones; per-layer quantile cut-offs; masks applied by hooks, removed on exit.
- `debiaslens_nb.report`: `reproduce`: every figure of a profile into a folder with `summary.json`, `index.md` and `index.html`, and the FaceWorld targets.
- `debiaslens_nb.sae`: Everything a user imports to build, train, save, load and convert SAEs, in one place: `from debiaslens_nb.sae import SAE, SAEConfig, train_sae, load_sae`.
- `debiaslens_nb.sae_interop`: `load_sae(location, format)`: an SAE from a local path or a Hub id, in our format, dictionary_learning's, SEM's MSAE or SAELens'.
- `debiaslens_nb.sae_kernels`: The exact sparse training step of every SAE kind: which code entries the loss uses, their sparse gradients, the losses (with AuxK), checked against dense autograd.
- `debiaslens_nb.sae_model`: SAE kinds (TopK, BatchTopK, Matryoshka BatchTopK, nested-k MSAE), checksummed checkpoints, and the file formats of dictionary_learning, SEM's MSAE and SAELens, in and out.
- `debiaslens_nb.sae_training`: A fast, exact trainer for every SAE kind (sparse gradients checked against dense autograd), crash-consistent checkpoints, evaluation (FVU, L0, dead latents) and the planted-dictionary recovery test.
- `debiaslens_nb.sem`: Score each SAE latent of a CLIP text embedding for content relevance and bias sensitivity, and pull the biased, irrelevant ones toward the neutral median.
- `debiaslens_nb.vla_bench`: Occupation questions about faces, asked with and without an "unknown" option in seeded option orders; the assistant's next-token probability of each option letter; per occupation a Welch t-test of P(yes) between women and men, the bias ratio, the mean gap and P(unknown) with bootstrap confidence intervals.
- `debiaslens_nb.vlm`: One interface over open_clip CLIPs, saved tiny CLIPs, Hugging Face CLIP/SigLIP towers and MiniLM, with named hook *sites* on every block."""

__version__ = "0.1.0"

_ROOT_API = {"debias_model": "dropin", "fit_debiaser": "fit"}


def __getattr__(name: str):
    "The package-root API, imported on first use: `from debiaslens_nb import debias_model, fit_debiaser`."
    if name in _ROOT_API:
        import importlib
        return getattr(importlib.import_module(f"{__name__}.{_ROOT_API[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
