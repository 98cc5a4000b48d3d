"""pacsim's live view: a Solara page over a running model, its display data, figures and the ``pacsim viz`` command."""
