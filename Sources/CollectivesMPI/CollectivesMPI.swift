// CollectivesMPI: see the module README.
