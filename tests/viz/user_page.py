"""A SolaraViz page such as a user writes around PacsimModel, with Mesa's public components only.

``solara run tests/viz/user_page.py`` serves it; the browser test steps it, resets it and
steps it again. The sliders' ranges and starting values come from
``PacsimModel.parameters()``; fixed values (a small world, so the test is quick) pass
straight through to the model's keyword arguments, as Mesa passes them at Reset.
"""

from mesa.visualization import Slider, SolaraViz, make_plot_component

from pacsim import PacsimModel

SMALL_WORLD = {
    "electorate__n_voters": 3000,
    "legislature__house_seats": 60,
    "legislature__senate_seats": 20,
    "run__steps_per_cycle": 20,
    "run__campaign_steps": 4,
}

spec = {field.path: field for field in PacsimModel.parameters()}
salience = spec["target.salience"]

model_params = {
    "target__salience": Slider("target.salience", salience.default, salience.lo, salience.hi, 0.01),
    **SMALL_WORLD,
}

page = SolaraViz(
    PacsimModel(**SMALL_WORLD),
    components=[make_plot_component("capture_index"), make_plot_component("opposing_industry")],
    model_params=model_params,
    name="A user's own pacsim page",
)
