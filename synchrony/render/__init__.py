"""Pictures: plots and annotated frames."""
