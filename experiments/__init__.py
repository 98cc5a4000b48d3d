"""pacsim's experiments: declared sweeps, their execution on workers, the tables they write, the reports and the command line."""
