#!/usr/bin/python3
"""Writes grammar/workload.schema.json (JSON Schema draft-07) for the workload language.

The schema is generated so that its structure stays readable here; run this script after a
language change, then `swift test` checks the schema's keys against the Swift checker's and
scripts/check-schema.sh checks it against workloads/ and the bad examples.
"""
import json
import pathlib

def obj(props, required=(), description=None):
    o = {"type": "object", "additionalProperties": False, "properties": props}
    if required:
        o["required"] = list(required)
    if description:
        o["description"] = description
    return o

def integer(minimum=None, description=None, default=None):
    o = {"type": "integer"}
    if minimum is not None:
        o["minimum"] = minimum
    if description:
        o["description"] = description
    if default is not None:
        o["default"] = default
    return o

def number(description=None, **bounds):
    o = {"type": "number"}
    o.update(bounds)
    if description:
        o["description"] = description
    return o

def enum(values, description=None, default=None):
    o = {"type": "string", "enum": values}
    if description:
        o["description"] = description
    if default is not None:
        o["default"] = default
    return o

def dimension(value, description):
    return {
        "description": description,
        "oneOf": [
            value,
            obj({"values": {"type": "array", "minItems": 1, "uniqueItems": True, "items": value}},
                required=["values"]),
            obj({"min": value, "max": value,
                 "scale": enum(["linear", "log", "reverse-log"], default="linear")},
                required=["min", "max"]),
        ],
    }

positive_real = number(exclusiveMinimum=0)
search = obj({
    "learning_rate": dimension(positive_real, "Learning rate: fixed, a list of values, or {min, max, scale}."),
    "momentum": dimension(number(minimum=0, exclusiveMaximum=1), "Momentum (momentum and nesterov only; default fixed 0.9)."),
    "decay_steps": dimension(integer(1), "Steps of the linear decay (linear-decay only); whole steps."),
    "end_learning_rate_factor": dimension(number(exclusiveMinimum=0, maximum=1),
                                          "Final learning rate as a fraction of the initial one (linear-decay only)."),
}, description="The metaparameter search space.")

optimizer = obj({
    "kind": enum(["sgd", "momentum", "nesterov"], "The update rule."),
    "schedule": enum(["constant", "linear-decay"], "The learning-rate schedule.", default="constant"),
    "search": search,
}, required=["kind"])

pos = integer(1)
layer_defs = {
    "conv2d": obj({"filters": pos, "kernel": pos, "stride": integer(1, default=1),
                   "padding": enum(["valid", "same"], default="valid"),
                   "bias": {"type": "boolean", "default": True}}, required=["filters", "kernel"]),
    "max_pool": obj({"window": pos, "stride": pos}, required=["window"]),
    "avg_pool": obj({"window": pos, "stride": pos}, required=["window"]),
    "dense": obj({"units": pos, "bias": {"type": "boolean", "default": True}}, required=["units"]),
}
layer = {"oneOf": [enum(["relu", "flatten", "global_avg_pool"])]
         + [obj({name: body}, required=[name]) for name, body in layer_defs.items()]
         + [obj({"residual": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/layer"}}},
                required=["residual"])]}

schema = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "$id": "https://stepwise.invalid/grammar/workload.schema.json",
    "title": "Stepwise workload (language version 1)",
    "description": "A steps-to-result study. Reference: grammar/README.md.",
    "definitions": {"layer": layer, "optimizer": optimizer},
    **obj({
        "stepwise": {"const": 1, "description": "Language version; must be 1."},
        "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"},
        "description": {"type": "string"},
        "dataset": obj({
            "name": enum(["mnist", "fashion-mnist", "cifar-10"]),
            "directory": {"type": "string", "minLength": 1,
                          "description": "Directory of the dataset files; ${NAME} and ${NAME:-default} are expanded."},
            "validation": obj({"holdout": integer(1, "Examples held out of the training split.", None),
                               "seed": integer(0, "Seed of the holdout shuffle.", 0)}),
            "normalize": enum(["global", "per-channel", "none"]),
            "sha256": {"type": "object", "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
        }, required=["name", "directory"]),
        "model": {
            **obj({
                "architecture": {"type": "string",
                                 "pattern": "^(simple-cnn|simple-cnn-(base|narrow|wide)|resnet-8|fc(-[1-9][0-9]*)+)$"},
                "layers": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/layer"}},
                "init": {"oneOf": [
                    enum(["variance-scaling"]),
                    obj({"kind": enum(["variance-scaling"]), "scale": positive_real,
                         "mode": enum(["fan-in", "fan-out", "fan-avg"], default="fan-in"),
                         "distribution": enum(["truncated-normal", "normal", "uniform"], default="truncated-normal")},
                        required=["kind"]),
                ]},
            }),
            "oneOf": [{"required": ["architecture"]}, {"required": ["layers"]}],
        },
        "optimizer": {"$ref": "#/definitions/optimizer"},
        "optimizers": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/optimizer"}},
        "study": obj({
            "batch_sizes": {"oneOf": [
                {"type": "array", "minItems": 1, "uniqueItems": True, "items": pos},
                obj({"powers_of_two": {"type": "array", "minItems": 2, "maxItems": 2, "items": pos}},
                    required=["powers_of_two"]),
            ]},
            "sparsities": {"type": "array", "minItems": 1, "uniqueItems": True,
                           "items": number(minimum=0, exclusiveMaximum=1), "default": [0]},
            "pruning": {"oneOf": [
                enum(["snip", "grasp", "random", "magnitude", "none"]),
                obj({
                    "method": enum(["snip", "grasp", "random", "magnitude", "none"]),
                    "examples": {"oneOf": [
                        enum(["all"]),
                        obj({"all_in_batches_of": pos}, required=["all_in_batches_of"]),
                        obj({"count": pos}, required=["count"]),
                        obj({"per_class": pos}, required=["per_class"]),
                    ]},
                    "prunable": enum(["weights", "weights-and-biases"], default="weights-and-biases"),
                    "scope": enum(["global", "layerwise"], default="global"),
                    "temperature": positive_real,
                }, required=["method"]),
            ]},
            "trials": integer(1, "Trials (quasi-random points) per cell."),
            "sequence": {"oneOf": [
                enum(["sobol", "scrambled-halton"]),
                obj({"kind": enum(["sobol", "scrambled-halton"]), "skip": integer(0), "seed": integer(0)},
                    required=["kind"]),
            ]},
            "seed": integer(0, default=0),
        }, required=["batch_sizes", "trials"]),
        "goal": {
            **obj({
                "metric": enum(["validation_error", "validation_cross_entropy"], default="validation_error"),
                "at_most": number(minimum=0, description="Met when the metric is <= this value."),
                "below": number(exclusiveMinimum=0, description="Met when the metric is < this value."),
            }),
            "oneOf": [{"required": ["at_most"]}, {"required": ["below"]}],
        },
        "budget": obj({
            "max_steps": integer(1, "Most training steps a trial may take."),
            "max_epochs": positive_real,
            "overrides": {"type": "object", "propertyNames": {"pattern": "^[1-9][0-9]*$"},
                          "additionalProperties": pos},
            "give_up": {"type": "array", "items": obj({"step": pos, "above": number(minimum=0)},
                                                     required=["step", "above"])},
        }, required=["max_steps"]),
        "evaluation": {
            **obj({
                "every_steps": integer(1, "Evaluate every this many steps (with growth: the first evaluated step).", default=100),
                "batch_size": integer(1, default=1000),
                "overrides": {"type": "object", "propertyNames": {"pattern": "^[1-9][0-9]*$"},
                              "additionalProperties": pos,
                              "description": "every_steps by batch size."},
                "growth": number("Geometric schedule: each evaluated step is the previous one times this.",
                                 exclusiveMinimum=1),
                "exit_early": {"type": "boolean", "default": True,
                               "description": "Stop an evaluation once its wrong answers prove the goal missed."},
            }),
            "not": {"required": ["overrides", "growth"]},
        },
        "execution": obj({"jobs": pos, "workers": pos, "checkpoint_every_steps": integer(1, default=1000)}),
        "probes": obj({
            "on": {"oneOf": [{"const": "all"}, integer(1)], "default": "all",
                   "description": "all trials, or the first k trials of every cell"},
            "lipschitz": obj({
                "every_steps": integer(1, description="Lee et al.: 1000"),
                "gammas": {"type": "array", "minItems": 1,
                           "items": number(exclusiveMinimum=0, maximum=1)},
                "examples": {"oneOf": [{"const": "all"}, integer(1)], "default": "all"},
            }, required=["every_steps"],
                description="Lee et al.'s Lipschitz smoothness along one optimizer step"),
            "noise_scale": obj({
                "every_steps": integer(1),
                "batch_sizes": {"type": "array", "minItems": 2, "maxItems": 2, "items": integer(1)},
                "draws": integer(2, default=16),
            }, required=["every_steps", "batch_sizes"],
                description="McCandlish et al.'s simple noise scale from two batch sizes"),
        }, description="Landscape probes inside trials; they never change a result"),
    }, required=["stepwise", "name", "dataset", "model", "study", "goal", "budget"]),
}
schema["oneOf"] = [{"required": ["optimizer"]}, {"required": ["optimizers"]}]

out = pathlib.Path(__file__).resolve().parent.parent / "grammar" / "workload.schema.json"
out.write_text(json.dumps(schema, indent=2, sort_keys=False) + "\n")
print(f"wrote {out}")
