"""Fine-tuning for swclint: LoRA/QLoRA training, evaluation, sweeps and adapter export."""
