/**
 * The video metadata Tapedeck sets (protocols.md B6.3), and its translation to the API's
 * snippet/status resource. Validation of lengths happens where the operator types them (the editor
 * API); YouTube re-validates and its 400 reasons come back as non-retryable errors.
 */
export type PrivacyStatus = 'public' | 'unlisted' | 'private';

export interface VideoMetadata {
  title: string;
  description?: string;
  tags?: string[];
  /** YouTube category id (wubloader's default is 23, Comedy; 20 is Gaming) */
  categoryId?: string;
  privacyStatus: PrivacyStatus;
  /** RFC 3339; only with privacyStatus 'private' (scheduled publishing) */
  publishAt?: string;
  selfDeclaredMadeForKids?: boolean;
  /** BCP-47, sets both defaultLanguage and defaultAudioLanguage */
  language?: string;
  embeddable?: boolean;
  license?: 'youtube' | 'creativeCommon';
}

export interface VideoResourceBody {
  snippet: {
    title: string;
    description: string;
    tags: string[];
    categoryId?: string;
    defaultLanguage?: string;
    defaultAudioLanguage?: string;
  };
  status: {
    privacyStatus: PrivacyStatus;
    publishAt?: string;
    selfDeclaredMadeForKids?: boolean;
    embeddable?: boolean;
    license?: string;
  };
}

export function toResource(m: VideoMetadata): VideoResourceBody {
  const snippet: VideoResourceBody['snippet'] = { title: m.title, description: m.description ?? '', tags: m.tags ?? [] };
  if (m.categoryId) snippet.categoryId = m.categoryId;
  if (m.language) {
    snippet.defaultLanguage = m.language;
    snippet.defaultAudioLanguage = m.language;
  }
  const status: VideoResourceBody['status'] = { privacyStatus: m.privacyStatus };
  if (m.publishAt) status.publishAt = m.publishAt;
  if (m.selfDeclaredMadeForKids !== undefined) status.selfDeclaredMadeForKids = m.selfDeclaredMadeForKids;
  if (m.embeddable !== undefined) status.embeddable = m.embeddable;
  if (m.license) status.license = m.license;
  return { snippet, status };
}
