// ResultsStore: see the module README.
