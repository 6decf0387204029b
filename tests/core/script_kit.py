"""The "Night Shift" screenplay the script tests share (CLI, Blender helper, script -> build), written once.

Two night scenes (a diner where Maya and Leo speak, a parking lot where Leo smokes by his CAR) and, by
default, a third back in the diner. The variations are explicit so each test says which screenplay it reads.
"""

from __future__ import annotations

PARKING_LOT_ACTION = "LEO lights a cigarette by his CAR."
# The same beat with a prop in capitals besides the vehicle: the coverage rules then add an insert shot.
PARKING_LOT_ACTION_WITH_ZIPPO = "LEO lights a cigarette with his ZIPPO by the CAR."
BACK_IN_THE_DINER = """
INT. DINER - LATER

MAYA counts the tips.
"""


def night_shift(*, parking_lot_action: str = PARKING_LOT_ACTION, back_in_the_diner: bool = True) -> str:
    """The screenplay: `parking_lot_action` is scene 2's one action line; `back_in_the_diner` adds scene 3."""
    return f"""Title: Night Shift

INT. DINER - NIGHT

MAYA wipes the counter. LEO enters.

LEO
Coffee?

MAYA
Always.

EXT. PARKING LOT - NIGHT

{parking_lot_action}
""" + (BACK_IN_THE_DINER if back_in_the_diner else "")
