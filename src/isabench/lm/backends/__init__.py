"""Language models isabench can measure, each behind one small interface (`base.Backend`):
lm-builtin's own runtime, any causal LM through transformers (`hf`), any OpenAI-compatible
server (`openai`); and `serve`, which puts lm-builtin behind such a server."""
