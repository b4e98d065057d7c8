/** xfade transition names offered in the editor (ffmpeg's catalogue, as wubloader lists them). */
export const TRANSITIONS = [
  'fade', 'fadeblack', 'fadewhite', 'fadegrays', 'wipeleft', 'wiperight', 'wipeup', 'wipedown', 'slideleft', 'slideright',
  'slideup', 'slidedown', 'circlecrop', 'rectcrop', 'distance', 'radial', 'smoothleft', 'smoothright', 'smoothup',
  'smoothdown', 'circleopen', 'circleclose', 'vertopen', 'vertclose', 'horzopen', 'horzclose', 'dissolve', 'pixelize',
  'diagtl', 'diagtr', 'diagbl', 'diagbr', 'hlslice', 'hrslice', 'vuslice', 'vdslice', 'hblur', 'wipetl', 'wipetr',
  'wipebl', 'wipebr', 'squeezeh', 'squeezev', 'zoomin', 'hlwind', 'hrwind', 'vuwind', 'vdwind', 'coverleft',
  'coverright', 'coverup', 'coverdown', 'revealleft', 'revealright', 'revealup', 'revealdown',
];
